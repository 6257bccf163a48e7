// Package epss is FIRST's Exploit Prediction Scoring System as a
// vulnerability feed.
//
// FIRST publishes every day the probability that each CVE is exploited in
// the next 30 days, and its percentile, as a gzipped CSV
// (https://www.first.org/epss/data_stats):
//
//	#model_version:v2025.03.14,score_date:2025-03-16T00:00:00+0000
//	cve,epss,percentile
//	CVE-1999-0001,0.01141,0.77981
//
// [Source] reads it as a stream and emits one [vulndb.Vulnerability] per
// CVE whose EPSS field holds the score, the percentile and the score date
// (YYYY-MM-DD); the records carry no Affected entry, so they never match a
// package by themselves but give the records of other feeds an exploit
// signal. Plain and gzipped input are told apart by their first bytes.
// Rows that are malformed, or whose score or percentile is not a number
// in [0,1], are skipped and counted ([Source.Skipped]); a file without
// the header is an error naming it.
package epss
