from . import blacklist_keys, periods, scoring
