"""The fetch_costs Lambda function (handler.py is its entry point)."""
