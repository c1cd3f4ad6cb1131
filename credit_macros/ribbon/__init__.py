"""The Excel add-in ``addin/credit_macros.xlam`` built from text sources on any OS.

``buttons.toml`` describes the 信用台账 ribbon tab; ``xlam.build`` turns it into the ribbon XML
and a generated VBA module, ``vbaproject`` writes ``vbaProject.bin`` (MS-OVBA in MS-CFB)
without Excel. CLI: ``credit-macros addin build [--out PATH]``.
"""
