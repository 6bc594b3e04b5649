-- On SQLite the event log moved to a file of its own (see db/log); the table V1 created here is no longer used.
-- PostgreSQL keeps it: the sqlite_only placeholder turns the statement into a comment there.
${sqlite_only}DROP TABLE event_log;
