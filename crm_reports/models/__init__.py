from . import crm_lite_stage_history
from . import crm_lite_target
from . import res_company
from . import res_config_settings
from . import res_partner
from . import res_users
