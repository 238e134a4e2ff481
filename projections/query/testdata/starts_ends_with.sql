-- object: company, table: company
-- filter: {"name":{"startsWith":"Ac*","endsWith":"[x]"}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "company" WHERE +"deletedAt" IS NULL AND "name" GLOB ? AND "name" GLOB ? ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: string "*[[]x]"
2: string "Ac[*]*"
-- count
SELECT COUNT(*) AS "totalCount" FROM "company" WHERE +"deletedAt" IS NULL AND "name" GLOB ? AND "name" GLOB ?
-- args
1: string "*[[]x]"
2: string "Ac[*]*"
