"""The workbook vocabulary: the names of the sheets we write and read, their header rows, the
provenance columns and the prefixes of our hidden sheets — typed here and nowhere else.

Renaming a sheet or a header is a change of this file only: every module that names one
imports it from here (``tests/test_vocabulary.py`` fails on a sheet name typed anywhere else).
The template sheets (附件1–9) are named in ``templates.toml``; the 半月通报 file's own sheets in
``report/render_xlsx.py``.
"""

from credit_macros.catalogue import provenance

# the master tracker (built by ``build``)
GUIDE_SHEET = "说明"
KEY_TASK_SHEET = "重点任务"
KEY_TASK_HEADER_ROW = 2  # row 1 is the 基准日期 row; one task per row below the header
LEDGER_SHEET = "事项台账"
MAIN_TASK_SHEET = "主要任务"
UNIT_SHEET = "成员单位"
INDICATOR_SHEET = "指标数据"  # one row per month, filled by the 信用办, read by the 半月通报
CALENDAR_SHEET = "日历"  # hidden: the working days the formulas count
LIST_SHEET = "_选项"  # hidden: the drop-down lists of the template sheets

# the office's own sheets of the master (written by ``collect`` and ``status``)
STATUS_SHEET = "报送情况"
RECEIPTS_SHEET = "收文记录"
FINDINGS_SHEET = "退回修改"
HISTORY_SHEET = "历史版本"
OFFICE_SHEETS = (STATUS_SHEET, RECEIPTS_SHEET, FINDINGS_SHEET, HISTORY_SHEET)

STATUS_HEADERS = ("成员单位", "报送事项", "周期", "报送期", "期限", "收到时间", "状态",
                  "错误", "警告", "行数", "来源文件")
RECEIPT_HEADERS = ("收到时间", "单位", "报送期", "模板", "结果", "行数", "错误", "警告",
                   "来源文件", "来源", "发件人", "识别方式", "内容哈希", "说明")
# 规则 / 规则代码 come last so that the rows of a master built before them stay under their headers
FINDINGS_HEADERS = ("单位", "报送期", "模板", "来源文件", "内容哈希", "工作表", "单元格", "类别", "问题", "规则", "规则代码")
HISTORY_HEADERS = ("工作表", "来源单位", "报送期", "来源文件", "收到时间", "移入时间", "替换为")
PROVENANCE = provenance()  # the columns the master adds after each template's own (templates.toml)

# a unit's workbook (written by ``split``, read by ``collect``)
META_SHEET = "_报送信息"  # very hidden
META_VISIBLE_SHEET = "报送信息"  # the same keys, visible to the unit
META_KEYS = ("单位", "报送期", "模板版本")

# ``check --in-place`` (any workbook; never validated)
RESULT_SHEET = "校验结果"
BOOK_SHEET = "_校验标记"  # very hidden: the original fill and note of every marked cell
OWN_SHEETS = (RESULT_SHEET, BOOK_SHEET)
RESULT_HEADER = ("序号", "工作表", "单元格", "行", "列", "级别", "规则", "说明", "规则代码")
SUMMARY_HEADER = ("工作表", "识别为模板", "数据行数", "错误", "警告")
FIX_HEADER = ("规则", "级别", "处数", "改正方法", "规则代码")

# the ribbon's hidden layer sheets, one per marked sheet: prefix + the sheet's name
LAYER_PREFIX = "_标记_"  # validation marks
DUE_PREFIX = "_期限_"  # overdue marks

# the hidden 日历 sheet's columns (``build.calendar_sheet`` lays them out)
CALENDAR_HEADERS = ("日期", "工作日序号", "工作日", "暂定", "暂定累计", "顺延至")
EVENT_HEADERS = ("事项类型", "工作日数")
UNIT_LIST_HEADER = "成员单位"  # the units listed for the drop-downs
