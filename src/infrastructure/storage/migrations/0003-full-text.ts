import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../codec.js';
import { runStatements } from './sql-types.js';

/**
 * Full-text search over research results (query weighted above answer) and feedback text.
 *
 * PostgreSQL: a stored generated `tsvector` with a GIN index. Punctuation is folded to spaces
 * first so `node.js` indexes as `node` + `js`, as FTS5's tokenizer does (PostgreSQL's parser
 * would otherwise keep it as one "file" token). Feedback uses the seed's GIN expression index.
 *
 * SQLite: FTS5 external-content tables kept in step by triggers; `rebuild` indexes rows that
 * existed before this migration.
 */
export function fullTextMigration(dialect: Dialect): Migration {
  const statements = dialect === 'postgres' ? postgresStatements() : sqliteStatements();
  return { up: (db: Kysely<unknown>) => runStatements(db, statements) };
}

function postgresStatements(): string[] {
  const words = (column: string) => `to_tsvector('english', regexp_replace(${column}, '[^[:alnum:]]+', ' ', 'g'))`;
  return [
    `ALTER TABLE research_results ADD COLUMN IF NOT EXISTS search_vector tsvector
  GENERATED ALWAYS AS (setweight(${words('query')}, 'A') || setweight(${words('answer')}, 'B')) STORED`,
    'CREATE INDEX IF NOT EXISTS idx_research_results_search ON research_results USING gin (search_vector)',
  ];
}

function sqliteStatements(): string[] {
  // remove_diacritics 0: PostgreSQL's `english` configuration keeps accents too.
  const tokenize = `tokenize = 'porter unicode61 remove_diacritics 0'`;
  return [
    `CREATE VIRTUAL TABLE IF NOT EXISTS research_results_fts USING fts5(
  query, answer, content = 'research_results', content_rowid = 'seq', ${tokenize})`,
    `CREATE TRIGGER IF NOT EXISTS research_results_fts_insert AFTER INSERT ON research_results BEGIN
  INSERT INTO research_results_fts (rowid, query, answer) VALUES (new.seq, new.query, new.answer);
END`,
    `CREATE TRIGGER IF NOT EXISTS research_results_fts_delete AFTER DELETE ON research_results BEGIN
  INSERT INTO research_results_fts (research_results_fts, rowid, query, answer)
    VALUES ('delete', old.seq, old.query, old.answer);
END`,
    `CREATE TRIGGER IF NOT EXISTS research_results_fts_update AFTER UPDATE OF query, answer ON research_results BEGIN
  INSERT INTO research_results_fts (research_results_fts, rowid, query, answer)
    VALUES ('delete', old.seq, old.query, old.answer);
  INSERT INTO research_results_fts (rowid, query, answer) VALUES (new.seq, new.query, new.answer);
END`,
    `INSERT INTO research_results_fts (research_results_fts) VALUES ('rebuild')`,
    `CREATE VIRTUAL TABLE IF NOT EXISTS user_feedback_fts USING fts5(
  text_feedback, content = 'user_feedback', content_rowid = 'seq', ${tokenize})`,
    `CREATE TRIGGER IF NOT EXISTS user_feedback_fts_insert AFTER INSERT ON user_feedback BEGIN
  INSERT INTO user_feedback_fts (rowid, text_feedback) VALUES (new.seq, new.text_feedback);
END`,
    `CREATE TRIGGER IF NOT EXISTS user_feedback_fts_delete AFTER DELETE ON user_feedback BEGIN
  INSERT INTO user_feedback_fts (user_feedback_fts, rowid, text_feedback) VALUES ('delete', old.seq, old.text_feedback);
END`,
    `CREATE TRIGGER IF NOT EXISTS user_feedback_fts_update AFTER UPDATE OF text_feedback ON user_feedback BEGIN
  INSERT INTO user_feedback_fts (user_feedback_fts, rowid, text_feedback) VALUES ('delete', old.seq, old.text_feedback);
  INSERT INTO user_feedback_fts (rowid, text_feedback) VALUES (new.seq, new.text_feedback);
END`,
    `INSERT INTO user_feedback_fts (user_feedback_fts) VALUES ('rebuild')`,
  ];
}
