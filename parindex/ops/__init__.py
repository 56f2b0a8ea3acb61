"""Operations on the whole database: backup and restore (`manage.py backup`, `manage.py restore`).

Outside the layers, like settings and health: it works on every table at once through PostgreSQL's own tools
and imports nothing of the register, scoring, entry, transfer or dashboards (a contract in pyproject.toml).
"""
