"""The application's own database (not the warehouse): the monthly review's actions."""
