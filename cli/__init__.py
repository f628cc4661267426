"""The `cx-scorecard` command line (cli/main.py). Imports nothing of the Streamlit page."""
