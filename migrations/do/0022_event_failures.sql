-- _event_failures: why the object refused a consumed event the queue
-- consumer notified it of (durable/webhooks ServeEvents), kept until the
-- event is taken, so the dead-letter listing can say why it was
-- dead-lettered.
CREATE TABLE _event_failures (
  seq INTEGER PRIMARY KEY,
  error TEXT NOT NULL,
  at TEXT NOT NULL
);
