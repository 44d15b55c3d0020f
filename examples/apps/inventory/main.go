// The inventory example: one endpoint, a log line per request.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "hello"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s from inventory (go)\n", greeting)
		log.Printf("inventory served %s %s", r.Method, r.URL.Path)
	})
	log.Printf("inventory listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
