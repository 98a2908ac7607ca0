INSERT INTO notes (body) VALUES ('Welcome! This note was inserted by db/migrations/002_seed.sql.');
