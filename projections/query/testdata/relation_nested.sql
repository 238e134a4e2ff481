-- object: person, table: person
-- filter: {"company":{"name":{"eq":"Acme"},"employees":{"gt":5}}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "person" WHERE +"deletedAt" IS NULL AND "companyId" IN (SELECT "id" FROM "company" WHERE +"deletedAt" IS NULL AND "employees" > ? AND "name" = ?) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
1: float64 5
2: string "Acme"
-- count
SELECT COUNT(*) AS "totalCount" FROM "person" WHERE +"deletedAt" IS NULL AND "companyId" IN (SELECT "id" FROM "company" WHERE +"deletedAt" IS NULL AND "employees" > ? AND "name" = ?)
-- args
1: float64 5
2: string "Acme"
