"""Streamlit-free presentation shared by the page (dashboard/) and the board pack (pack/):
words, numbers, colours, escaping, tiles, the verdict and the Plotly figures. Imports nothing of
Streamlit or of the page (tests/test_imports.py checks it)."""
