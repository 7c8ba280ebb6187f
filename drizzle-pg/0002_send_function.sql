-- The message order without a cluster-wide lock through the commit (src/db/pg/order.ts has the reasoning):
-- im_send, a whole send as one autocommitted statement, marks its order as in flight until it ends;
-- im_safe_order, the highest order below which nothing is in flight (every order up to it is final);
-- im_await_orders_below, which waits until every order below one is final.
-- Keys: (18766 << 32) | schema hash (bigint) is the allocation gate; (schema hash, order mod 2^31) the in-flight mark.
-- Every function here is meant to run as its own autocommitted statement.
CREATE FUNCTION im_send(
  p_msg_id text, p_create_id text, p_sender text, p_receiver text, p_pair_key text, p_group_id text,
  p_audience text[], p_targets text, p_elem_type integer, p_text text, p_custom_data text, p_custom_desc text,
  p_custom_ext text, p_at_users text, p_priority integer, p_excluded_unread integer, p_excluded_last integer,
  p_need_read_receipt integer, p_cloud_custom_data text, p_local_custom_data text, p_random bigint,
  p_timestamp bigint, p_now bigint, p_store boolean)
RETURNS TABLE (r_reason text, r_order bigint, r_seq_base bigint, r_seq bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_public bigint := 0;
  v_mute bigint;
  v_present bigint;
  v_seq_base bigint := 0;
  v_rank bigint := 0;
  v_users text[];
  v_ranks bigint[];
  v_order bigint;
  v_key integer;
  v_gate bigint;
BEGIN
  IF p_group_id IS NOT NULL THEN
    -- The group's row lock: sends and membership changes of one group one at a time (src/db/pg/group.ts).
    SELECT g.public_count INTO v_public FROM groups g WHERE g.group_id = p_group_id FOR UPDATE;
    IF NOT FOUND THEN RETURN QUERY SELECT 'group-missing'::text, 0::bigint, 0::bigint, 0::bigint; RETURN; END IF;
    SELECT m.mute_until INTO v_mute FROM group_members m WHERE m.group_id = p_group_id AND m.user_id = p_sender;
    IF NOT FOUND THEN RETURN QUERY SELECT 'not-member'::text, 0::bigint, 0::bigint, 0::bigint; RETURN; END IF;
    IF v_mute > p_now THEN RETURN QUERY SELECT 'muted'::text, 0::bigint, 0::bigint, 0::bigint; RETURN; END IF;
    IF p_audience IS NOT NULL THEN
      SELECT count(*) INTO v_present FROM group_members m WHERE m.group_id = p_group_id AND m.user_id = ANY(p_audience);
      IF v_present < (SELECT count(DISTINCT u) FROM unnest(p_audience) AS t(u)) THEN
        RETURN QUERY SELECT 'receiver-not-member'::text, 0::bigint, 0::bigint, 0::bigint; RETURN;
      END IF;
    END IF;
  END IF;
  -- A concurrent send of the same draft consumed it first: the caller answers from the stored message.
  DELETE FROM drafts d WHERE d.id = p_create_id AND d.owner = p_sender;
  IF NOT FOUND THEN RETURN QUERY SELECT 'draft-missing'::text, 0::bigint, 0::bigint, 0::bigint; RETURN; END IF;
  IF NOT p_store THEN RETURN QUERY SELECT NULL::text, 0::bigint, 0::bigint, 0::bigint; RETURN; END IF;

  -- Per-viewer numbers, under the group's row lock: targeted ranks, or the public seq and the sender's rank so far.
  IF p_group_id IS NOT NULL AND p_audience IS NOT NULL THEN
    v_seq_base := v_public;
    SELECT array_agg(u ORDER BY i), array_agg(coalesce((SELECT a.rank FROM message_audience a
        WHERE a.user_id = u AND a.group_id = p_group_id ORDER BY a.order_no DESC LIMIT 1), 0) + 1 ORDER BY i)
      INTO v_users, v_ranks FROM unnest(p_audience) WITH ORDINALITY AS t(u, i);
  ELSIF p_group_id IS NOT NULL THEN
    UPDATE groups g SET public_count = g.public_count + 1 WHERE g.group_id = p_group_id RETURNING g.public_count INTO v_seq_base;
    v_rank := coalesce((SELECT a.rank FROM message_audience a WHERE a.user_id = p_sender AND a.group_id = p_group_id
      ORDER BY a.order_no DESC LIMIT 1), 0);
  END IF;

  -- A C2C pair's seq: one send of a pair at a time (a lock per pair, held to the commit).
  IF p_group_id IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(coalesce(current_schema(), '') || ' ' || p_pair_key, 18765));
    v_seq_base := coalesce((SELECT m.seq_base FROM messages m WHERE m.pair_key = p_pair_key ORDER BY m.order_no DESC LIMIT 1), 0) + 1;
  END IF;
  -- Allocate and mark in flight as one step for readers (who take the gate exclusively to look); the mark is a
  -- transaction lock, so it goes only once the commit (or the rollback) is visible.
  v_key := hashtext(coalesce(current_schema(), ''));
  v_gate := (18766::bigint << 32) | (v_key::bigint & 4294967295);
  PERFORM pg_advisory_lock_shared(v_gate);
  BEGIN
    v_order := nextval('messages_order_no_seq');
    PERFORM pg_advisory_xact_lock_shared(v_key, (v_order % 2147483648)::integer);
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock_shared(v_gate);
    RAISE;
  END;
  PERFORM pg_advisory_unlock_shared(v_gate);
  INSERT INTO messages (order_no, msg_id, create_id, sender, receiver, pair_key, group_id, targeted, targets, seq_base, elem_type,
      text, custom_data, custom_desc, custom_ext, at_users, priority, excluded_unread, excluded_last, need_read_receipt,
      cloud_custom_data, local_custom_data, random, timestamp)
    VALUES (v_order, p_msg_id, p_create_id, p_sender, p_receiver, p_pair_key, p_group_id, CASE WHEN p_audience IS NULL THEN 0 ELSE 1 END,
      p_targets, v_seq_base, p_elem_type, p_text, p_custom_data, p_custom_desc, p_custom_ext, p_at_users, p_priority,
      p_excluded_unread, p_excluded_last, p_need_read_receipt, p_cloud_custom_data, p_local_custom_data, p_random, p_timestamp);
  IF p_group_id IS NOT NULL AND p_audience IS NOT NULL THEN
    INSERT INTO message_audience (order_no, user_id, group_id, rank)
      SELECT v_order, t.u, p_group_id, t.r FROM unnest(v_users, v_ranks) AS t(u, r);
    v_rank := coalesce(v_ranks[array_position(v_users, p_sender)], 0);
  END IF;
  -- Sending into a conversation reads it up to the sent message; the peer's C2C conversation opens unread.
  IF p_group_id IS NOT NULL THEN
    INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order)
      VALUES (p_sender, 'group_' || p_group_id, NULL, p_group_id, v_order)
      ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_order = excluded.read_order;
  ELSE
    INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order)
      VALUES (p_sender, 'c2c_' || p_receiver, p_receiver, NULL, v_order)
      ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_order = excluded.read_order;
    INSERT INTO conversations (user_id, conversation_id, peer_id, read_order)
      VALUES (p_receiver, 'c2c_' || p_sender, p_sender, 0) ON CONFLICT DO NOTHING;
  END IF;
  RETURN QUERY SELECT NULL::text, v_order, v_seq_base, v_seq_base + v_rank;
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
