import { expect } from "vitest";
import { channelContract } from "./channel-contract.js";

// The email channel sends through an EmailTransport (SMTP), which Slipway does not ship: there is
// no real peer to run the contract against here, so it is covered by the unit tests of its message.
channelContract(
  "webhook",
  (url) => ({ kind: "webhook", name: "ops", url }),
  (request, notification) => {
    expect(request.method).toBe("POST");
    expect(JSON.parse(request.body)).toMatchObject({ id: notification.id, type: notification.event.type });
  },
);

channelContract(
  "slack",
  (url) => ({ kind: "slack", name: "team", url }),
  (request) => {
    expect(request.method).toBe("POST");
    expect(JSON.parse(request.body)).toHaveProperty("text");
  },
);
