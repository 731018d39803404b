CREATE SCHEMA api;

CREATE TABLE api.todos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      text        NOT NULL CHECK (title <> ''),
    done       boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Anonymous API users may read the list, nothing else.
CREATE ROLE web_anon NOLOGIN;
GRANT web_anon TO app;
GRANT USAGE ON SCHEMA api TO web_anon;
GRANT SELECT ON api.todos TO web_anon;
