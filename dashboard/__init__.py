"""CX Scorecard: the Streamlit page (app.py), its panels and figures, and the CLI."""
