-- object: person, table: person
-- filter: 
-- orderBy: [{"name":{"lastName":"AscNullsFirst","firstName":"DescNullsLast"}}]
-- select (limit 60, reverse false)
SELECT * FROM "person" WHERE +"deletedAt" IS NULL ORDER BY "nameFirstName" DESC, "nameLastName" ASC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "person" WHERE +"deletedAt" IS NULL
-- args
(none)
