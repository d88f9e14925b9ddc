"""Component ids, defined once and prefixed by the page that owns them."""


class Shell:
    INTERVAL = "shell-poll-interval"
    VERSION = "shell-data-version"
    STATUS = "shell-db-status"
    BANNER = "shell-data-banner"
    ERROR = "shell-error"


class Overview:
    MESSAGE = "overview-message"
    CONTENT = "overview-content"
    KPIS = "overview-kpis"
    CUMULATIVE = "overview-cumulative-graph"
    BY_SITE = "overview-by-site-graph"


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
    KM = "survival-km-graph"
    KM_CSV = "survival-km-csv"
    KM_DOWNLOAD = "survival-km-download"
    CIF = "survival-cif-graph"
    CIF_CSV = "survival-cif-csv"
    CIF_DOWNLOAD = "survival-cif-download"
    RESPONSE = "survival-response-graph"
    RATES = "survival-response-rates"
    RESPONSE_CSV = "survival-response-csv"
    RESPONSE_DOWNLOAD = "survival-response-download"
    SWIMMER = "survival-swimmer-graph"
    SWIMMER_CSV = "survival-swimmer-csv"
    SWIMMER_DOWNLOAD = "survival-swimmer-download"
