/** Window of the delivery report when none is asked for (days); `slipway report --days`, `?days=`. */
export const DELIVERY_WINDOW_DAYS = 30;
/** Longest window accepted: a year of history is still one read of the rollouts table. */
export const DELIVERY_MAX_DAYS = 365;
