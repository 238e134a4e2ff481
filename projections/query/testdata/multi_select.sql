-- object: company, table: company
-- filter: {"tags":{"containsAny":["A","B"]}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND EXISTS (SELECT 1 FROM json_each("company"."tags") AS "je" WHERE "je"."value" IN (SELECT "value" FROM json_each(?))) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "[\"A\",\"B\"]"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND EXISTS (SELECT 1 FROM json_each("company"."tags") AS "je" WHERE "je"."value" IN (SELECT "value" FROM json_each(?)))
-- args
1: string "[\"A\",\"B\"]"
