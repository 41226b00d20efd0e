from mutuals.kit.errors import error_class

InvalidProjectId = error_class(400, "project/invalid-id", "Invalid projectId")
ProjectNotFound = error_class(404, "project/not-found", "Project not found")
