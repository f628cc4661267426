"""Query layer: the warehouse contract, the metric registry and SQL that computes every metric.

This package never imports Streamlit: the page, the CLI and the board pack all call it.
"""
