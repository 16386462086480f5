// A tiny app for Slipway's hello example: prints a greeting.
export function greet(name, greeting = process.env.GREETING ?? "Hello") {
  return `${greeting}, ${name}!`;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(greet(process.argv[2] ?? "world"));
