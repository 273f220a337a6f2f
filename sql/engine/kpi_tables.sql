-- The KPI engine's output tables.
CREATE TABLE IF NOT EXISTS kpi_values (
    kpi_id VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    basis VARCHAR NOT NULL,
    area VARCHAR NOT NULL,            -- 'all' = the trust; else an owning council's la_code, 'other', 'unknown'
    team VARCHAR,
    worker VARCHAR,
    numerator DOUBLE,
    denominator DOUBLE,
    value DOUBLE,                     -- percent 0-100, days, or count; NULL when the denominator is 0
    null_reason VARCHAR,
    excluded_count BIGINT,
    excluded_reasons VARCHAR,
    definition_version INTEGER
);

-- Which pseudonymised records sit in each numerator and denominator (clinic drill-down).
CREATE TABLE IF NOT EXISTS kpi_records (
    kpi_id VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    basis VARCHAR NOT NULL,
    record_id VARCHAR,
    person_id VARCHAR,
    area VARCHAR,
    team VARCHAR,
    worker VARCHAR,
    numerator DOUBLE,
    denominator DOUBLE,
    excluded_reason VARCHAR
);

-- The case measures of the departmental core data set: same shape, kept apart from the contract KPIs.
CREATE TABLE IF NOT EXISTS core_values AS SELECT * FROM kpi_values LIMIT 0;
CREATE TABLE IF NOT EXISTS core_records AS SELECT * FROM kpi_records LIMIT 0;
