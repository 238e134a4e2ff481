-- object: company, table: company
-- filter: 
-- orderBy: [{"employees":"AscNullsFirst"},{"name":"AscNullsLast"},{"stage":"DescNullsFirst"},{"foundedAt":"DescNullsLast"}]
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL ORDER BY "employees" ASC, "name" ASC NULLS LAST, "stage" DESC NULLS FIRST, "foundedAt" DESC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL
-- args
(none)
