from setuptools import find_packages, setup

setup(
    name="credit-macros",
    version="0.1.0",
    description="信用台账助手：沣西新城社会信用体系建设台账的 Excel 加载项与命令行工具",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["credit_macros", "credit_macros.*"]),
    package_data={"credit_macros": ["*.toml", "catalogue/*.toml", "ribbon/*.toml"]},
    # lower bounds are the versions the tests run on (chinesecalendar 1.11 is the first with 2026)
    install_requires=[
        "xlwings>=0.37",
        "openpyxl>=3.1",
        "numpy>=1.24",
        "chinesecalendar>=1.11",
        "holidays>=0.60",
        "python-stdnum>=2.0",
        "python-calamine>=0.9",
        "olefile>=0.46",
        "extract-msg>=0.48",
        "python-docx>=1.1",
        "filelock>=3.12",
    ],
    extras_require={
        "test": ["pytest>=7", "aiosmtpd>=1.4", "oletools>=0.60", "pandas>=2.0", "msoffcrypto-tool>=5.0", "lxml>=4.9", "xmlschema>=3.0", "XlsxWriter>=3.0", "pytest-xdist>=3.2"],
        "bench": ["frictionless>=5.0"],  # benchmarks/bench_check.py compares against frictionless-py
    },
    entry_points={"console_scripts": ["credit-macros=credit_macros.cli:main"]},
)
