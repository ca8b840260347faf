"""The SQL store (SQLAlchemy 2): SQLite and PostgreSQL. Nothing outside this package sees a Session."""
