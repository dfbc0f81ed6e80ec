from . import blacklist_keys, periods, pg_arrays, scoring
