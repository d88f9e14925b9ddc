"""Component ids, defined once and prefixed by the page that owns them."""

from typing import NamedTuple


class FigureIds(NamedTuple):
    """The ids of one figure panel: its graph, its "Download CSV" button and download."""

    graph: str
    csv: str
    download: str

    @classmethod
    def of(cls, key: str) -> "FigureIds":
        return cls(f"{key}-graph", f"{key}-csv", f"{key}-download")


class Shell:
    INTERVAL = "shell-poll-interval"
    VERSION = "shell-data-version"
    STATUS = "shell-db-status"
    BANNER = "shell-data-banner"
    ERROR = "shell-error"
    MENU = "shell-menu"
    MENU_TOGGLE = "shell-menu-toggle"
    URL = "shell-url"
    AS_OF = "shell-as-of"
    VERSION_CHOICE = "shell-version-choice"
    GO = "shell-go"  # a dcc.Location that moves the app to another page (patient clicks)
    REPORT_MENU = "shell-report-menu"
    REPORT_KIND = "shell-report-kind"  # pattern: {"type": REPORT_KIND, "kind", "profiles"}
    REPORT_STATUS = "shell-report-status"
    REPORT_DOWNLOAD = "shell-report-download"


class Overview:
    MESSAGE = "overview-message"
    CONTENT = "overview-content"
    KPIS = "overview-kpis"
    CUMULATIVE = FigureIds.of("overview-cumulative")
    BY_SITE = FigureIds.of("overview-by-site")
    COMPARE = "overview-compare"
    COMPARE_HINT = "overview-compare-hint"
    ALERTS = "overview-alerts"  # data quality findings that need action now


class Survival:
    MESSAGE = "survival-message"
    CONTENT = "survival-content"
    ENDPOINT = "survival-endpoint"
    CONF_TYPE = "survival-conf-type"
    CONF_LEVEL = "survival-conf-level"
    GROUP_BY = "survival-group-by"
    SITE = "survival-site"
    SUMMARY = "survival-summary"
    NOTE = "survival-note"
    LOGRANK = "survival-logrank"
    KM = FigureIds.of("survival-km")
    CIF = FigureIds.of("survival-cif")
    CIF_NOTE = "survival-cif-note"
    RESPONSE = FigureIds.of("survival-response")
    RESPONSE_NOTE = "survival-response-note"
    RATES = "survival-response-rates"
    SWIMMER = FigureIds.of("survival-swimmer")
    SWIMMER_NOTE = "survival-swimmer-note"
    COMPARE = "survival-compare"
    COMPARE_HINT = "survival-compare-hint"
    COMPARE_NOTE = "survival-compare-note"


class Sites:
    MESSAGE = "sites-message"
    CONTENT = "sites-content"
    KPIS = "sites-kpis"
    GRID = "sites-grid"
    GRID_CSV = "sites-grid-csv"
    TIMELINE = FigureIds.of("sites-timeline")
    MAP = FigureIds.of("sites-map")
    BY_SITE = FigureIds.of("sites-by-site")
    BY_SITE_MESSAGE = "sites-by-site-message"
    FORECAST = FigureIds.of("sites-forecast")
    FORECAST_MESSAGE = "sites-forecast-message"
    FORECAST_TEXT = "sites-forecast-text"
    ASSUMPTIONS = "sites-forecast-assumptions"
    WHATIF_SITE = "sites-whatif-site"
    WHATIF_DATE = "sites-whatif-date"
    WHATIF_RATE = "sites-whatif-rate"
    WHATIF_NOTE = "sites-whatif-note"
    FUNNEL = FigureIds.of("sites-funnel")
    FUNNEL_MESSAGE = "sites-funnel-message"
    REASONS = "sites-funnel-reasons"


class Safety:
    MESSAGE = "safety-message"
    CONTENT = "safety-content"
    KPIS = "safety-kpis"
    CUTOFF = "safety-cutoff"
    AE_TERMS = "safety-ae-terms-switch"
    AE_GRID = "safety-ae-grid"
    AE_CSV = "safety-ae-csv"
    AE_EMPTY = "safety-ae-empty"
    AE_WRAP = "safety-ae-wrap"
    AE_BASIS = "safety-ae-basis"
    ARM_CARD = "safety-arm-card"
    ARM_GRID = "safety-arm-grid"
    ARM_CSV = "safety-arm-csv"
    HEATMAP = FigureIds.of("safety-heatmap")
    TIMELINE = FigureIds.of("safety-timeline")
    GRAPHS_WRAP = "safety-graphs-wrap"
    SERIOUS_CUTOFF = "safety-serious-cutoff"
    SERIOUS_GRID = "safety-serious-grid"
    SERIOUS_CSV = "safety-serious-csv"
    SERIOUS_EMPTY = "safety-serious-empty"
    SERIOUS_WRAP = "safety-serious-wrap"
    DEATHS_CUTOFF = "safety-deaths-cutoff"
    DEATHS_GRID = "safety-deaths-grid"
    DEATHS_CSV = "safety-deaths-csv"
    DEATHS_EMPTY = "safety-deaths-empty"
    DEATHS_WRAP = "safety-deaths-wrap"
    DEATHS_SUMMARY = "safety-deaths-summary"
    GVHD = FigureIds.of("safety-gvhd")
    GVHD_EMPTY = "safety-gvhd-empty"
    GVHD_COUNTS = "safety-gvhd-counts"
    STOPPING = FigureIds.of("safety-stopping")
    STOPPING_SENTENCE = "safety-stopping-sentence"
    STOPPING_RULE = "safety-stopping-rule"
    SINCE = "safety-since"
    CHANGES_SUMMARY = "safety-changes-summary"
    CHANGES_GRID = "safety-changes-grid"
    CHANGES_CSV = "safety-changes-csv"
    CHANGES_WRAP = "safety-changes-wrap"


class Recovery:
    MESSAGE = "recovery-message"
    CONTENT = "recovery-content"
    SITE = "recovery-site"
    PATIENT = "recovery-patient"
    KPIS = "recovery-kpis"
    TEST = "recovery-test"
    TRAJECTORY = FigureIds.of("recovery-trajectory")
    TRAJECTORY_NOTE = "recovery-trajectory-note"
    CIF = FigureIds.of("recovery-cif")
    CIF_NOTE = "recovery-cif-note"
    GRID = "recovery-day90-grid"
    GRID_CSV = "recovery-day90-csv"
    CHIMERISM = FigureIds.of("recovery-chimerism")
    CHIMERISM_LIMIT = "recovery-chimerism-limit"
    CHIMERISM_SHARE = "recovery-chimerism-share"
    CHIMERISM_NOTE = "recovery-chimerism-note"


class Patient:
    """The patient profile page (``/patients/<id>``); ids start with its panel's name,
    "patients", so that the callback guard checks that panel's roles."""

    MESSAGE = "patients-message"
    CONTENT = "patients-content"
    PATIENT_ID = "patients-patient-id"
    CHOOSER = "patients-chooser"
    PREVIOUS = "patients-previous"
    NEXT = "patients-next"
    HEADER = "patients-header"
    AXIS = "patients-axis"
    COURSE = FigureIds.of("patients-course")
    EVENTS_GRID = "patients-events-grid"
    EVENTS_CSV = "patients-events-csv"
    LABS_GRID = "patients-labs-grid"
    LABS_CSV = "patients-labs-csv"
    TRANSFUSIONS_GRID = "patients-transfusions-grid"
    TRANSFUSIONS_CSV = "patients-transfusions-csv"
    RESPONSES_GRID = "patients-responses-grid"
    RESPONSES_CSV = "patients-responses-csv"
    CHIMERISM_GRID = "patients-chimerism-grid"
    CHIMERISM_CSV = "patients-chimerism-csv"
    LOG = "patients-log-scale"
    SITE = "patients-site"  # "Patients from": the chooser's and previous / next's scope
    NEIGHBOURS = "patients-neighbours"  # {"previous": id or None, "next": id or None}
    GO = "patients-go"  # a dcc.Location that moves the app to another profile


class Quality:
    """The data quality page (``/quality``); ids start with its panel's name."""

    MESSAGE = "quality-message"
    CONTENT = "quality-content"
    KPIS = "quality-kpis"
    SEVERITY = "quality-severity"
    RULE = "quality-rule"
    BY_SITE_GRID = "quality-by-site-grid"
    BY_SITE_CSV = "quality-by-site-csv"
    FINDINGS_WRAP = "quality-findings-wrap"
    FINDINGS_NOTE = "quality-findings-note"
    FINDINGS_GRID = "quality-findings-grid"
    FINDINGS_CSV = "quality-findings-csv"
    TREND = FigureIds.of("quality-trend")
    TREND_NOTE = "quality-trend-note"
    RULES_GRID = "quality-rules-grid"


class Admin:
    USERS_MESSAGE = "admin-users-message"
    USERS_GRID = "admin-users-grid"
    USERS_CHANGED = "admin-users-changed"
    DEACTIVATE = "admin-deactivate"
    REACTIVATE = "admin-reactivate"
    REMOVE = "admin-remove"
    CONFIRM = "admin-confirm"
    PENDING = "admin-pending-action"
    ACTION_MESSAGE = "admin-action-message"
    NEW_NAME = "admin-new-name"
    NEW_ROLE = "admin-new-role"
    NEW_SITE = "admin-new-site"
    NEW_PASSWORD = "admin-new-password"
    NEW_PASSWORD_AGAIN = "admin-new-password-again"
    ADD = "admin-add-user"
    ADD_MESSAGE = "admin-add-message"
    AUDIT_USER = "admin-audit-user"
    AUDIT_EVENTS = "admin-audit-events"
    AUDIT_FROM = "admin-audit-from"
    AUDIT_TO = "admin-audit-to"
    AUDIT_REFRESH = "admin-audit-refresh"
    AUDIT_MESSAGE = "admin-audit-message"
    AUDIT_GRID = "admin-audit-grid"
    AUDIT_EXPORT = "admin-audit-export"
    AUDIT_DOWNLOAD = "admin-audit-download"


class Reviews:
    """The DSMB reviews card (Safety page for the DSMB, Administration page)."""

    CARD = "reviews-card"
    DATE = "reviews-meeting-date"
    VERSION = "reviews-data-version"
    DECISION = "reviews-decision"
    SAVE = "reviews-save"
    STATUS = "reviews-status"
    LIST = "reviews-list"
