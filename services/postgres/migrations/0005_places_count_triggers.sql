-- 0005: the database keeps users.places_count, whatever adds or deletes
-- a place (until now the add and delete statements did), so the one
-- statement that adds a place (services/store) is the same on both
-- engines.

CREATE FUNCTION places_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		UPDATE users SET places_count = places_count + 1 WHERE id = NEW.user_id;
	ELSE
		UPDATE users SET places_count = places_count - 1 WHERE id = OLD.user_id;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER places_counted AFTER INSERT OR DELETE ON places
FOR EACH ROW EXECUTE FUNCTION places_count();
