// Package binary is the analyzer for programs installed outside any
// package manager whose version can be read from their bytes: the
// classifiers recognise a program by its file name (cheap, no I/O), then
// stream its bytes through a bounded sliding window looking for the
// version string the program carries.
//
// The classifiers, their files, and the PURL and CPEs they give (PURLs of
// type generic and package names as Syft's binary classifiers use them;
// CPE vendor and product as NVD names them):
//
//	openssl     openssl, libcrypto.so*        pkg:generic/openssl        openssl:openssl
//	busybox     busybox                       pkg:generic/busybox        busybox:busybox
//	node        node, nodejs                  pkg:generic/node           nodejs:node.js
//	python      python3.N, libpython3.N*.so*  pkg:generic/python         python:python
//	nginx       nginx                         pkg:generic/nginx          f5:nginx, nginx:nginx
//	redis       redis-server                  pkg:generic/redis          redis:redis, redislabs:redis
//	curl        curl, libcurl*.so*            pkg:generic/curl           haxx:curl, haxx:libcurl
//	bash        bash                          pkg:generic/bash           gnu:bash
//	postgresql  postgres, postmaster          pkg:generic/postgresql     postgresql:postgresql
//	httpd       httpd, apache2                pkg:generic/httpd          apache:http_server
//	haproxy     haproxy                       pkg:generic/haproxy        haproxy:haproxy
//
// The Java runtime is read from the "release" file every JDK and JRE
// carries in its home directory (JAVA_VERSION="17.0.9", IMPLEMENTOR=…,
// JAVA_RUNTIME_VERSION=…), as Syft reads it: version from
// JAVA_RUNTIME_VERSION, else FULL_VERSION, else JAVA_VERSION; vendor and
// product from IMPLEMENTOR (Azul Zulu, Oracle, Sun, otherwise OpenJDK),
// pkg:generic/oracle/openjdk@21.0.4+7-LTS, and the CPEs NVD uses for that
// vendor and product (cpe:2.3:a:oracle:openjdk:21.0.4:…).
//
// [WithClassifiers] replaces or extends the set ([Classifiers] returns the
// built-in one).
//
// Each classifier has evidence patterns in order of preference, each a
// literal (found with bytes.Index, at memory speed) and a regular
// expression applied only to a small window around the literal. The
// stream stops as soon as every classifier of the file has its preferred
// evidence. Packages have type [scan.TypeBinary] and carry the binary's
// path; a binary that an OS package installed is dropped by the scanner,
// which knows the package databases' file lists. A file whose name matches
// but whose bytes hold no version is no package and no error: a wrapper
// script named node is not a Node.js runtime.
package binary
