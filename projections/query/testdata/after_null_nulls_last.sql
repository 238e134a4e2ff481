-- object: company, table: company
-- filter: 
-- orderBy: [{"employees":"AscNullsLast"}]
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "employees" IS NULL AND "employees" IS NULL AND "id" > ? ORDER BY "employees" ASC NULLS LAST, "id" ASC LIMIT 61
-- args
1: string "c02"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
