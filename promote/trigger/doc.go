// Package trigger starts promotions from push events and by polling.
//
// A [Handler] is an http.Handler that registries notify of pushes: CNCF
// Distribution's notifications (the events envelope, media type
// application/vnd.docker.distribution.events.v1+json, or v2+json from
// Distribution 3) and Harbor's webhooks (the default payload format, event
// type PUSH_ARTIFACT). Each tagged push of an image manifest or index is
// looked up in a [rules.Set]; every rule that selects it becomes a [Job],
// promoting exactly the pushed digest. Jobs go to a bounded queue served by
// a fixed number of workers, so the handler answers at once: Distribution
// gives slow endpoints a short timeout and sends again.
//
// A [Poller] finds the same work without events: it lists the tags of each
// rule's source repository and promotes those whose digest changed since
// its last poll.
//
// Configure Distribution to notify the handler with, for example:
//
//	notifications:
//	  endpoints:
//	    - name: portcullis
//	      url: https://portcullis.example.com/events
//	      headers:
//	        Authorization: [Bearer <token>]
//	      timeout: 5s
//	      threshold: 5
//	      backoff: 10s
//
// and give the same header value to [WithAuthorization].
package trigger
