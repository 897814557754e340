"""Data quality beyond the SQL models' own audits: the Great Expectations suite on the
published marts, generated from the same declarations as the audits."""
