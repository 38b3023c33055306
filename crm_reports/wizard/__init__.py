from . import crm_reports_segment_wizard
from . import crm_reports_summary_wizard
