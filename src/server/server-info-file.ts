/** `<data>/server.json`: where a running server says its URLs (read by the CLI's API client). */
export const SERVER_INFO_FILE = "server.json";
