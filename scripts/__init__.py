"""Developer scripts run by Makefile targets (`python -m scripts.<name>`): gates and doc writers, not tests."""
