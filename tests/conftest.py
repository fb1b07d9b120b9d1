from fixtures_samba import *  # noqa: F401,F403
