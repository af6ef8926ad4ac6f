-- The ad-tech OLTP schema (the original hiring task's). Idempotent: `generate init` and the
-- compose Postgres (docker-entrypoint-initdb.d) both run it.
CREATE TABLE IF NOT EXISTS advertiser (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    updated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS campaign (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    bid NUMERIC(10, 2) NOT NULL,
    budget NUMERIC(12, 2) NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    advertiser_id INT NOT NULL REFERENCES advertiser (id),
    updated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS impressions (
    id BIGSERIAL PRIMARY KEY,
    campaign_id INT NOT NULL REFERENCES campaign (id),
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS clicks (
    id BIGSERIAL PRIMARY KEY,
    campaign_id INT NOT NULL REFERENCES campaign (id),
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

-- Foreign-key columns are indexed so per-campaign clicks and deletes stay fast at 10 M rows.
CREATE INDEX IF NOT EXISTS impressions_campaign_id_idx ON impressions (campaign_id);
CREATE INDEX IF NOT EXISTS clicks_campaign_id_idx ON clicks (campaign_id);
