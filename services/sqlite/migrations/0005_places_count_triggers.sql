-- 0005: the database keeps users.places_count, whatever adds or deletes
-- a place, so the one statement that adds a place (services/store) is
-- the same on both engines.

CREATE TRIGGER places_counted AFTER INSERT ON places
BEGIN
	UPDATE users SET places_count = places_count + 1 WHERE id = NEW.user_id;
END;

CREATE TRIGGER places_uncounted AFTER DELETE ON places
BEGIN
	UPDATE users SET places_count = places_count - 1 WHERE id = OLD.user_id;
END;
