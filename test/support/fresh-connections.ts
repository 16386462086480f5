import { Agent, setGlobalDispatcher } from "undici";

// End-to-end tests block their event loop in spawnSync while a CLI command runs. A kept-alive
// socket that the server closed meanwhile can then be picked for the next fetch before its close
// is read, and the request fails with "other side closed". One connection per request keeps each
// test's HTTP calls independent of how long the CLI call before them took.
setGlobalDispatcher(new Agent({ pipelining: 0 }));
