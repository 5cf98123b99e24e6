output "topic_ids" {
  description = "Topic name => topic id (projects/<project>/topics/<name>)."
  value       = { for name, t in google_pubsub_topic.this : name => t.id }
}

output "push_subscriptions" {
  description = "Function name => the push subscription delivering its trigger topic to it."
  value       = { for fn, s in google_pubsub_subscription.push : fn => s.name }
}

output "dead_letter_topics" {
  description = "Function name => the topic its undeliverable messages end in."
  value       = { for fn, t in google_pubsub_topic.dead_letter : fn => t.name }
}

output "dead_letter_subscriptions" {
  description = "Function name => the pull subscription holding its dead letters (inspect or replay from here)."
  value       = { for fn, s in google_pubsub_subscription.dead_letter : fn => s.name }
}

output "push_service_account_email" {
  description = "The identity push deliveries are signed as: grant it run.invoker on the push-triggered functions."
  value       = google_service_account.push.email
}
