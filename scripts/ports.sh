# Sourced by scripts/start.sh and scripts/e2e.sh (and Playwright's own
# `yarn start`): the portal's ports, so that two portals can run side by
# side (e.g. a second checkout's browser tests beside a running quick start).
#
#   KLI8NT_FRONTEND_PORT   the app (default 3000: app.baseUrl)
#   KLI8NT_BACKEND_PORT    the backend (default 7007: backend.baseUrl and
#                          backend.listen.port; `scripts/platform webhook`
#                          sends to it too)
#
# Set, they override app-config*.yaml through Backstage's APP_CONFIG_*
# variables (the backend's CORS origin follows the app). Unset, nothing is
# overridden: the config files decide, and the defaults are theirs.
if [ -n "${KLI8NT_FRONTEND_PORT:-}" ]; then
  export APP_CONFIG_app_baseUrl=http://localhost:$KLI8NT_FRONTEND_PORT
  export APP_CONFIG_backend_cors_origin=http://localhost:$KLI8NT_FRONTEND_PORT
fi
if [ -n "${KLI8NT_BACKEND_PORT:-}" ]; then
  export APP_CONFIG_backend_baseUrl=http://localhost:$KLI8NT_BACKEND_PORT
  export APP_CONFIG_backend_listen_port=$KLI8NT_BACKEND_PORT
fi
export KLI8NT_FRONTEND_PORT=${KLI8NT_FRONTEND_PORT:-3000}
export KLI8NT_BACKEND_PORT=${KLI8NT_BACKEND_PORT:-7007}
