"""The resolve_report_date Lambda function (handler.py is its entry point)."""
