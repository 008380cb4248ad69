-- Plain GET of the URL given to wrk (healthz, nginx's static file).
require("stats").install()
