from fixtures_graph import *  # noqa: F401,F403
from fixtures_samba import *  # noqa: F401,F403
