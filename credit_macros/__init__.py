"""信用台账助手 — templates, validation, deadlines and reports for the 沣西新城 credit-system work plan."""

__version__ = "0.1.0"
