-- object: company, table: company
-- filter: {"id":{"in":["a","b"]},"not":{"deletedAt":{"is":"NULL"}}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE "id" IN (SELECT "value" FROM json_each(?)) AND NOT ("deletedAt" IS NULL) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "[\"a\",\"b\"]"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE "id" IN (SELECT "value" FROM json_each(?)) AND NOT ("deletedAt" IS NULL)
-- args
1: string "[\"a\",\"b\"]"
