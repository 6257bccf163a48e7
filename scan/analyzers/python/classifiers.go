package python

import "strings"

// ClassifierLicense returns the licence a trove classifier names, given the
// classifier without its "License :: " prefix: the SPDX identifier for the
// classifiers that name exactly one SPDX licence ("OSI Approved :: MIT
// License" gives "MIT"), the classifier's last part for the others ("OSI
// Approved :: BSD License" gives "BSD License", which could be one of
// several BSD licences), and "" for the groupings that name no licence
// ("OSI Approved", "DFSG approved").
func ClassifierLicense(classifier string) string {
	name := strings.TrimSpace(classifier)
	if i := strings.LastIndex(name, " :: "); i >= 0 {
		name = strings.TrimSpace(name[i+len(" :: "):])
	}
	switch name {
	case "", "OSI Approved", "DFSG approved":
		return ""
	}
	if id := spdxID(name); id != "" {
		return id
	}
	return name
}

// spdxID maps the licence classifiers listed at https://pypi.org/classifiers/
// that name one licence to its SPDX identifier.
func spdxID(name string) string {
	switch name {
	case "Academic Free License (AFL)":
		return "" // several versions
	case "Apache Software License":
		return "" // no version
	case "Boost Software License 1.0 (BSL-1.0)":
		return "BSL-1.0"
	case "CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)":
		return "CECILL-2.1"
	case "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":
		return "CC0-1.0"
	case "Common Development and Distribution License 1.0 (CDDL-1.0)":
		return "CDDL-1.0"
	case "Common Public License":
		return "CPL-1.0"
	case "Eclipse Public License 1.0 (EPL-1.0)":
		return "EPL-1.0"
	case "Eclipse Public License 2.0 (EPL-2.0)":
		return "EPL-2.0"
	case "Educational Community License, Version 2.0 (ECL-2.0)":
		return "ECL-2.0"
	case "European Union Public Licence 1.0 (EUPL 1.0)":
		return "EUPL-1.0"
	case "European Union Public Licence 1.1 (EUPL 1.1)":
		return "EUPL-1.1"
	case "European Union Public Licence 1.2 (EUPL 1.2)":
		return "EUPL-1.2"
	case "GNU Affero General Public License v3":
		return "AGPL-3.0-only"
	case "GNU Affero General Public License v3 or later (AGPLv3+)":
		return "AGPL-3.0-or-later"
	case "GNU General Public License v2 (GPLv2)":
		return "GPL-2.0-only"
	case "GNU General Public License v2 or later (GPLv2+)":
		return "GPL-2.0-or-later"
	case "GNU General Public License v3 (GPLv3)":
		return "GPL-3.0-only"
	case "GNU General Public License v3 or later (GPLv3+)":
		return "GPL-3.0-or-later"
	case "GNU Lesser General Public License v2 (LGPLv2)":
		return "LGPL-2.0-only"
	case "GNU Lesser General Public License v2 or later (LGPLv2+)":
		return "LGPL-2.0-or-later"
	case "GNU Lesser General Public License v3 (LGPLv3)":
		return "LGPL-3.0-only"
	case "GNU Lesser General Public License v3 or later (LGPLv3+)":
		return "LGPL-3.0-or-later"
	case "Historical Permission Notice and Disclaimer (HPND)":
		return "HPND"
	case "IBM Public License":
		return "IPL-1.0"
	case "ISC License (ISCL)":
		return "ISC"
	case "Intel Open Source License":
		return "Intel"
	case "MIT License":
		return "MIT"
	case "MIT No Attribution License (MIT-0)":
		return "MIT-0"
	case "MirOS License (MirOS)":
		return "MirOS"
	case "Motosoto License":
		return "Motosoto"
	case "Mozilla Public License 1.0 (MPL)":
		return "MPL-1.0"
	case "Mozilla Public License 1.1 (MPL 1.1)":
		return "MPL-1.1"
	case "Mozilla Public License 2.0 (MPL 2.0)":
		return "MPL-2.0"
	case "Mulan Permissive Software License v2 (MulanPSL-2.0)":
		return "MulanPSL-2.0"
	case "Nethack General Public License":
		return "NGPL"
	case "Nokia Open Source License":
		return "Nokia"
	case "Open Group Test Suite License":
		return "OGTSL"
	case "Open Software License 3.0 (OSL-3.0)":
		return "OSL-3.0"
	case "PostgreSQL License":
		return "PostgreSQL"
	case "Python License (CNRI Python License)":
		return "CNRI-Python"
	case "Python Software Foundation License":
		return "PSF-2.0"
	case "Qt Public License (QPL)":
		return "QPL-1.0"
	case "Ricoh Source Code Public License":
		return "RSCPL"
	case "SIL Open Font License 1.1 (OFL-1.1)":
		return "OFL-1.1"
	case "Sleepycat License":
		return "Sleepycat"
	case "Sun Industry Standards Source License (SISSL)":
		return "SISSL"
	case "Sun Public License":
		return "SPL-1.0"
	case "The Unlicense (Unlicense)":
		return "Unlicense"
	case "Universal Permissive License (UPL)":
		return "UPL-1.0"
	case "University of Illinois/NCSA Open Source License":
		return "NCSA"
	case "Vovida Software License 1.0":
		return "VSL-1.0"
	case "W3C License":
		return "W3C"
	case "X.Net License":
		return "Xnet"
	case "Zero-Clause BSD (0BSD)":
		return "0BSD"
	case "zlib/libpng License":
		return "Zlib"
	}
	return ""
}
