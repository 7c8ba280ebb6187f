-- The order on PostgreSQL without a lock held to the commit (src/db/pg/order.ts explains it): a send allocates its
-- order with im_take_order inside its transaction, which marks it in flight until that transaction ends; readers
-- stop below the oldest mark (im_safe_order) or wait for the marks below an order (im_await_orders_below).
-- Keys: (18766 << 32) | schema hash (bigint) is the allocation gate; (schema hash, order mod 2^31) the in-flight mark.
CREATE FUNCTION im_take_order() RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_key integer := hashtext(coalesce(current_schema(), ''));
  v_gate bigint := (18766::bigint << 32) | (v_key::bigint & 4294967295);
  v_order bigint;
BEGIN
  -- Allocate and mark in flight as one step for readers (who take the gate exclusively to look); the mark is a
  -- transaction lock, so it goes only once the commit (or the rollback) is visible.
  PERFORM pg_advisory_lock_shared(v_gate);
  BEGIN
    v_order := nextval('messages_order_no_seq');
    PERFORM pg_advisory_xact_lock_shared(v_key, (v_order % 2147483648)::integer);
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock_shared(v_gate);
    RAISE;
  END;
  PERFORM pg_advisory_unlock_shared(v_gate);
  RETURN v_order;
END;
$$;
--> statement-breakpoint
-- The orders in flight now, as (order, mark key); the gate held exclusively while looking, so no allocation is
-- half done (allocated, not yet marked). Callers release the gate themselves (see below).
CREATE FUNCTION im_orders_in_flight(p_key integer, OUT r_last bigint, OUT r_orders bigint[], OUT r_marks integer[])
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_called boolean;
BEGIN
  SELECT s.last_value, s.is_called INTO r_last, v_called FROM messages_order_no_seq s;
  IF NOT v_called THEN r_last := r_last - 1; END IF;
  -- A mark holds order mod 2^31; every order in flight is within 2^31 of the last one allocated.
  SELECT array_agg(r_last - ((r_last - l.objid::bigint) % 2147483648 + 2147483648) % 2147483648), array_agg(l.objid::bigint::integer)
    INTO r_orders, r_marks
    FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid::bigint = (p_key::bigint & 4294967295)
      AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());
END;
$$;
--> statement-breakpoint
CREATE FUNCTION im_safe_order() RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_key integer := hashtext(coalesce(current_schema(), ''));
  v_gate bigint := (18766::bigint << 32) | (v_key::bigint & 4294967295);
  v_last bigint;
  v_orders bigint[];
BEGIN
  PERFORM pg_advisory_lock(v_gate);
  BEGIN
    SELECT f.r_last, f.r_orders INTO v_last, v_orders FROM im_orders_in_flight(v_key) f;
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(v_gate);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(v_gate);
  RETURN coalesce((SELECT min(o) FROM unnest(v_orders) AS t(o)) - 1, v_last);
END;
$$;
--> statement-breakpoint
CREATE FUNCTION im_await_orders_below(p_order bigint) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT SET lock_timeout = '10s' AS $$
DECLARE
  v_key integer := hashtext(coalesce(current_schema(), ''));
  v_gate bigint := (18766::bigint << 32) | (v_key::bigint & 4294967295);
  v_orders bigint[];
  v_marks integer[];
BEGIN
  PERFORM pg_advisory_lock(v_gate);
  BEGIN
    SELECT f.r_orders, f.r_marks INTO v_orders, v_marks FROM im_orders_in_flight(v_key) f;
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(v_gate);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(v_gate);
  -- Taking a mark exclusively waits for its send to commit or roll back (lock_timeout bounds a stuck one).
  FOR i IN 1 .. coalesce(array_length(v_orders, 1), 0) LOOP
    IF v_orders[i] < p_order THEN
      PERFORM pg_advisory_lock(v_key, v_marks[i]);
      PERFORM pg_advisory_unlock(v_key, v_marks[i]);
    END IF;
  END LOOP;
END;
$$;
