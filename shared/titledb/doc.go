// Package titledb reads the community "titledb" files that name Nintendo
// Switch titles and describe their updates and DLC, keeps them fresh from a
// mirror, and shares one loaded copy between the users of a process.
//
// A titledb directory holds three files:
//
//	titles.<REGION>.<lang>.json  {key: {"id": "0100ABCD12340000", "name": ..., ...}}
//	cnmts.json                   {appID: {version: {"titleType": 128|129|130, "otherApplicationId": ...}}}
//	versions.json                {titleID: {version: "YYYY-MM-DD"}}
//
// Load parses them into an immutable DB, Fetch refreshes them atomically
// from a mirror (or installs the embedded sample), and Cache loads a DB once
// per process and drops it when nobody has used it for a while.
//
// Hex ids appear in upper and lower case across the files; every id this
// package returns is 16 upper-case hex digits and every lookup accepts
// either case.
package titledb
