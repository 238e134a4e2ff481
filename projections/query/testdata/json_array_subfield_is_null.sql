-- object: person, table: person
-- filter: {"emails":{"additionalEmails":{"is":"NULL"}}}
-- orderBy: 
-- select (limit 60, reverse false)
SELECT * FROM "person" WHERE +"deletedAt" IS NULL AND ("emailsAdditionalEmails" IS NULL OR json_array_length("emailsAdditionalEmails") = 0) ORDER BY "position" ASC, "id" ASC LIMIT 61
-- args
(none)
-- count
SELECT COUNT(*) AS "totalCount" FROM "person" WHERE +"deletedAt" IS NULL AND ("emailsAdditionalEmails" IS NULL OR json_array_length("emailsAdditionalEmails") = 0)
-- args
(none)
